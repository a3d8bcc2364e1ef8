"""Salesloop Orders service."""
