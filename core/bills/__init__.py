"""Bill payments: billers, their field schemas, paying through a biller gateway,
reconciling what the gateway did not answer, receipts and saved payees."""
