"""pubmed stage."""
