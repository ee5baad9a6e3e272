"""Generated PDF worksheets and reports."""
