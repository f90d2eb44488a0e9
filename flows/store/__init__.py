"""Where conversations live: state, the outbox of replies, the transcript, media, the
links between channel identities and customers, and customers' chat credentials."""
