"""Talking to Confluence Cloud: the HTTP client, rate limits, retries, media, and the walk from JSON to models."""
