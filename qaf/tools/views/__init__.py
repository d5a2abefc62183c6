"""The pages of qaf.tools, by sub-domain: tool_versions (the QA unit's Audit tools) and
responses (filling in a form)."""
