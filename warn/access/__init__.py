"""Personal data, in one place: who is asking (principal), what they may see (scope), how
what they see is shaped (masking), and what is written down about it (audit). The JSON
API, the console and the messages sent to liaisons all go through it."""
