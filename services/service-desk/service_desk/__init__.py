"""Salesloop Service desk service."""
