"""The herkenningsmakelaar (HM): the broker role between service providers and means issuers."""
