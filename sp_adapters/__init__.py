"""The service-provider (DV) side: what a DV plugs in to speak eHerkenning to the broker.

* :mod:`sp_adapters.settings`: ``load_settings("dv.yaml")``, every problem reported at once;
* :mod:`sp_adapters.eherkenning`: the Flask extension ``EHerkenningSP`` (signed AuthnRequest by
  POST or Redirect, artifact resolution, HM assertion and Advice chain verification,
  EncryptedID decryption, typed ``EHerkenningLogin`` / ``LoginFailure``, Single Logout) and the
  generation of the DV's metadata and service catalogue entry;
* :mod:`sp_adapters.demo`: the demo DV "Gemeente Voorbeeldstad".
"""
