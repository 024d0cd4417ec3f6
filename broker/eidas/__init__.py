"""The eIDAS bridge of the broker (spec §8, §2, §4.8): the EB/connector toward an eIDAS node for
foreign persons logging in to Dutch services (inbound), and a proxy-service face for foreign
connectors whose services Dutch businesses log in to (outbound). See docs/eidas.md."""
