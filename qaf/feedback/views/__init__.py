"""Feedback pages, one module per part: links (requests and open links), responses, staff
entry, analysis, the duty inbox, complaints and compliments, and the public survey."""
