"""Every write of payments, one module per part: the ledger (`ledger`), card payments, SEPA
mandates and debit files. Callers import from the module they need, e.g.
`from guichet.payments.services.ledger import payment_confirm`."""
