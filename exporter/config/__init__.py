"""The configuration: each key declared once, loaded from config.yaml, the environment and flags."""
