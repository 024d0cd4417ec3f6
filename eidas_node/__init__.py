"""An eIDAS node simulator for tests and the demo (issue 7): the proxy service of several member
states (a foreign person logs in to a Dutch service through the broker's connector) and a
foreign connector (a Dutch business logs in to a foreign service through the broker's proxy
service). A server role of its own: it talks to the broker only over HTTP with eIDAS SAML
messages and imports no other role."""
