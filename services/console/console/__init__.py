"""The Salesloop console: web pages over the five services' public REST APIs."""
