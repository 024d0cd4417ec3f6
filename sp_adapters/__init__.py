"""The service-provider (DV) side: what a DV plugs in to speak eHerkenning to the broker."""
