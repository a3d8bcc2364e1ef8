"""Salesloop Deals service."""
