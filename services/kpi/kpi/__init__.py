"""Salesloop KPI service."""
