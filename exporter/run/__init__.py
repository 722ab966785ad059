"""One export run: scan, plan, convert and write pages and attachments, remember state between runs."""
