package io.pooler.auth;

/**
 * Secrets computed once by a real PostgreSQL 15.18 (Debian 15.18-0+deb12u1), kept here so the tests
 * need no PostgreSQL. Made with {@code SET password_encryption = 'scram-sha-256'} (and {@code 'md5'}
 * for bob), {@code CREATE ROLE <name> LOGIN PASSWORD <password>}, then
 * {@code SELECT rolname, rolpassword FROM pg_authid}. The passwords are in the constant names' comments.
 */
final class PostgresVerifiers {

    /** "pencil". */
    static final String PENCIL =
            "SCRAM-SHA-256$4096:pqBpGOsBkQyJRZ810rjdDg==$x9PRxTk0f+t0zc39FWgZ+WP4rVlShnAvowy0AutZeAU=:"
            + "Z1vVKGg+ygGqA1yMOUlZNL/BciIW1rvHchoFILSOTeY=";
    /** "I\u00ADX": SASLprep maps the soft hyphen to nothing (RFC 4013 section 3, first example), giving "IX". */
    static final String SOFT_HYPHEN =
            "SCRAM-SHA-256$4096:bevuBA4ayMJDJ/QXN7GdOQ==$B36Rj5C2rZ0MsQQdRqkUEJbAMg95wcF3fYAloUMonFI=:"
            + "RghmO0AosCyO9J/cof7HSej9i0wSm36ZNdqSPnLQLis=";
    /** "\u2168", ROMAN NUMERAL NINE: NFKC turns it into "IX" (RFC 4013 section 3, fifth example). */
    static final String ROMAN_NINE =
            "SCRAM-SHA-256$4096:KXz84Ng7eSx3QgZW6HTRTw==$IGKP960tJVq3MgPmwEnWqQIbW6mifLB4GP0XisNEILY=:"
            + "qIRGHq/HFYn6VmqcwUtaLdyAsuQYe4hnSzmKMVo70w0=";
    /** "a\u00A0b": a no-break space is mapped to an ASCII space. */
    static final String NO_BREAK_SPACE =
            "SCRAM-SHA-256$4096:br+UryPiiVkWQKGPzGwXBg==$g7IqJU3GTnJCEok7yP5p04+MO5zhKezVlG3flKZvy0Y=:"
            + "EUcgNsCOtuxqbH8O2lUWGg+xE2N79BAjIhq+1Hfp9xg=";
    /** "\u06271": breaks SASLprep's bidi rule (RFC 4013 section 3, last example), so the raw bytes are used. */
    static final String BIDI_FAILURE =
            "SCRAM-SHA-256$4096:pAP2Sl9kfRSgu72WkKVScA==$ARPPGU8qyC6x6gexzzMsnz9WL9hhgh+fwlJUHy3Z8m8=:"
            + "2s056m2VRjdCziz9kcjKlAuIkBP7wAx5THKcVJSh6CQ=";
    /** "a\tb": SASLprep prohibits the control character, so the raw bytes are used. */
    static final String ASCII_CONTROL =
            "SCRAM-SHA-256$4096:Pj6zQtBMnMcBpQf6x2tl3w==$aqqU8zHjwHVIKWYJQaDYm2tLJqVjJ/3Ge/4wSVIQ8M4=:"
            + "GzX5Cero0HUiY7PkK2+g0QV7FjZM5NE3MsW4/6P4Kf0=";
    /** "x\u0221": U+0221 is unassigned in Unicode 3.2, prohibited for stored strings, so raw bytes. */
    static final String UNASSIGNED =
            "SCRAM-SHA-256$4096:8OtkVXIo8XLY2H6N/BYfCg==$qpLRUEUwHZOK7JvmXxV5tlaBMk/k6e7Ylnq6HmbVyy8=:"
            + "hED8fCs+XfOOmjRaguAjiMpuY8Qgn7s6sjoSYQb5cGQ=";
    /** User "bob", password "secret", password_encryption = md5. */
    static final String BOB_MD5 = "md521f3163f8f86fa10bdefbfbd502a8f06";

    private PostgresVerifiers() {
    }
}
