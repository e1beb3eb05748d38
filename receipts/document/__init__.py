"""The receipt as a document: snapshot, Cerfa drawing and layout, amounts in words,
the foundation's identity. Pure functions: no web framework, no database."""
