"""The demo DV application (Gemeente Voorbeeldstad) built on the eHerkenning adapter."""

from sp_adapters.demo.app import create_app

__all__ = ["create_app"]
