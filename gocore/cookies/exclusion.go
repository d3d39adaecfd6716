package cookies

import "strings"

// Why a cookie is refused, as Chromium's exclusion reasons, and the
// error cookies.set reports for them.

// cookieExclusion is a set of Chromium's CookieInclusionStatus exclusion
// reasons; the bit of each is its position in Chromium's enum, which is the
// order Electron lists them in its messages.
type cookieExclusion uint32

const (
	cookieExclSecureOnly             cookieExclusion = 1 << 2
	cookieExclSameSiteStrict         cookieExclusion = 1 << 5
	cookieExclSameSiteLax            cookieExclusion = 1 << 6
	cookieExclSameSiteUnspecifiedLax cookieExclusion = 1 << 7
	cookieExclSameSiteNoneInsecure   cookieExclusion = 1 << 8
	cookieExclFailureToStore         cookieExclusion = 1 << 10
	cookieExclNonCookieableScheme    cookieExclusion = 1 << 11
	cookieExclOverwriteSecure        cookieExclusion = 1 << 12
	cookieExclOverwriteHTTPOnly      cookieExclusion = 1 << 13
	cookieExclInvalidDomain          cookieExclusion = 1 << 14
	cookieExclInvalidPrefix          cookieExclusion = 1 << 15
	cookieExclNameValueTooBig        cookieExclusion = 1 << 17
	cookieExclAttributeTooBig        cookieExclusion = 1 << 18
	cookieExclDomainNonASCII         cookieExclusion = 1 << 19
	cookieExclDisallowedCharacter    cookieExclusion = 1 << 24
	cookieExclNoCookieContent        cookieExclusion = 1 << 26
)

// cookieExclusionReasons names each reason and gives Electron's text for
// it, in enum order.
var cookieExclusionReasons = []struct {
	bit        cookieExclusion
	name, text string
}{
	{cookieExclSecureOnly, "EXCLUDE_SECURE_ONLY", "The cookie was Secure, but the URL was not allowed to access Secure cookies."},
	{cookieExclSameSiteStrict, "EXCLUDE_SAMESITE_STRICT", "The cookie had SameSite=Strict, and the attempted access did not have an appropriate SameSiteCookieContext"},
	{cookieExclSameSiteLax, "EXCLUDE_SAMESITE_LAX", "The cookie had SameSite=Lax, and the attempted access did not have an appropriate SameSiteCookieContext"},
	{cookieExclSameSiteUnspecifiedLax, "EXCLUDE_SAMESITE_UNSPECIFIED_TREATED_AS_LAX", "The cookie did not specify a SameSite attribute, and therefore was treated as if it were SameSite=Lax, and the attempted access did not have an appropriate SameSiteCookieContext."},
	{cookieExclSameSiteNoneInsecure, "EXCLUDE_SAMESITE_NONE_INSECURE", "The cookie specified SameSite=None, but it was not Secure."},
	{cookieExclFailureToStore, "EXCLUDE_FAILURE_TO_STORE", "The cookie was malformed and could not be stored"},
	{cookieExclNonCookieableScheme, "EXCLUDE_NONCOOKIEABLE_SCHEME", "Attempted to set a cookie from a scheme that does not support cookies."},
	{cookieExclOverwriteSecure, "EXCLUDE_OVERWRITE_SECURE", "The cookie would have overwritten a Secure cookie, and was not allowed to do so."},
	{cookieExclOverwriteHTTPOnly, "EXCLUDE_OVERWRITE_HTTP_ONLY", "The cookie would have overwritten an HttpOnly cookie, and was not allowed to do so."},
	{cookieExclInvalidDomain, "EXCLUDE_INVALID_DOMAIN", "The cookie was set with an invalid Domain attribute."},
	{cookieExclInvalidPrefix, "EXCLUDE_INVALID_PREFIX", "The cookie was set with an invalid __Host- or __Secure- prefix."},
	{cookieExclNameValueTooBig, "EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE", "The cookie exceeded the name/value pair size limit."},
	{cookieExclAttributeTooBig, "EXCLUDE_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE", "Cookie exceeded the attribute size limit."},
	{cookieExclDomainNonASCII, "EXCLUDE_DOMAIN_NON_ASCII", "The cookie was set with a Domain attribute containing non ASCII characters."},
	{cookieExclDisallowedCharacter, "EXCLUDE_DISALLOWED_CHARACTER", "The cookie contains ASCII control characters"},
	{cookieExclNoCookieContent, "EXCLUDE_NO_COOKIE_CONTENT", "The cookie contains no content or only whitespace."},
}

// SetError is why Set refused a cookie. Its message is Electron's:
// "Failed to set cookie - " then the text of each reason, then Chromium's
// debug string of the status (e.g. "EXCLUDE_INVALID_DOMAIN, DO_NOT_WARN,
// NO_EXEMPTION"), or Electron's message for a bad sameSite value.
type SetError struct {
	Reasons []string // Chromium's exclusion reasons, e.g. "EXCLUDE_INVALID_DOMAIN"
	message string
}

func (e *SetError) Error() string { return e.message }

func newSetError(excl cookieExclusion) *SetError {
	e := &SetError{}
	var text strings.Builder
	text.WriteString("Failed to set cookie - ")
	for _, r := range cookieExclusionReasons {
		if excl&r.bit != 0 {
			e.Reasons = append(e.Reasons, r.name)
			text.WriteString(r.text)
		}
	}
	text.WriteString(strings.Join(append(append([]string(nil), e.Reasons...), "DO_NOT_WARN", "NO_EXEMPTION"), ", "))
	e.message = text.String()
	return e
}
