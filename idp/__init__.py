"""Our own means issuer: authentication service (AD), mandate registers (MR, MR2), portal."""
