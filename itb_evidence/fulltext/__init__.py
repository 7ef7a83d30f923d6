"""Full text stage: PubMed Central open-access articles fetched as JATS, parsed into sections,
paragraphs, captions and typed tables, and kept in the store for re-extraction."""
