package auth

// A Login is one hop's login state towards one party: the server (401,
// WWW-Authenticate, Authorization) or a proxy (407, Proxy-Authenticate,
// Proxy-Authorization; a CONNECT tunnel keeps one while it is refused).
// Server and proxy logins differ only in policy (which credentials are
// tried first, when refused ones are forgotten), which the engine keeps;
// the state is the same.
//
//	nothing sent ──login answered (URL, cache or host)──> Sent, Pending
//	      │                                                  │ an answer that is not a refusal
//	      └──cached credentials sent unasked──> Sent/FromCache   └──> Keep: the session caches Sent
//
// A Login belongs to its hop's goroutine; it is reset (Reset) when a
// redirect leaves the origin the credentials were bound to.
type Login struct {
	Sent       *Entry // the credentials this hop sends, nil for none
	Key        Key    // the protection space Sent answers
	Pending    bool   // Sent came from a login: the session keeps it once accepted
	FromCache  bool   // the last request carried the session's cached credentials, unasked
	TriedCache bool   // the session's cached credentials were tried for this hop
	TriedURL   bool   // the URL's own credentials were tried (server logins only)
}

// Answer records credentials a login produced for key: they are sent from
// now on and kept by the session once the party accepts them.
func (l *Login) Answer(ch Challenge, cred Credentials, pathBase string, key Key) {
	l.Sent = &Entry{Challenge: ch, Cred: cred, PathBase: pathBase}
	l.Key = key
	l.Pending = true
}

// Reset forgets everything: the next login starts afresh.
func (l *Login) Reset() { *l = Login{} }
