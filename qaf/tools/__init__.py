"""Audit tool definitions (versioned data) and the form engine."""
