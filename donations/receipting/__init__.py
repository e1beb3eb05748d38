"""How the service issues, sends and shows tax receipts (the documents: `receipts/`)."""
