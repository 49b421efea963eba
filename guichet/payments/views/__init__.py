"""The payments app's pages, one module per part: « Payer en ligne » and the card provider's
notifications and return pages (`pay`), « Mode de paiement » and the SEPA mandate
(`mandates`)."""
