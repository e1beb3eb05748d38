"""A visitor gives: the article with its widget, the donation form, thanks, /api/tax-reduction."""
