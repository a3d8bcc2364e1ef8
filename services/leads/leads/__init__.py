"""Salesloop Leads service."""
