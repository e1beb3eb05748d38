"""Tax receipts: numbering, amounts and the Cerfa documents given to donors."""
