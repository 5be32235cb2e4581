"""Spreadsheets in and out: readers with limits, mapping, import plans, exports, three-way sync."""
