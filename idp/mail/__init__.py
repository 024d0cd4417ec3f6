"""E-mail from the means issuer: the port, the development outbox and the SMTP adapter."""
