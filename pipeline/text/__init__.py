"""Text enrichment: language, redaction, cleaning, opinion units."""
