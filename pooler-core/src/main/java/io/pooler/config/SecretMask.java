package io.pooler.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hides passwords written inside option strings before a value is shown (SHOW CONFIG): a
 * {@code password=} or {@code ldapbindpasswd=} pair, its value bare, 'single-' or "double-quoted".
 *
 * <p>Of PgBouncer's {@code [pgbouncer]} keys only {@code auth_ldap_options} is meant to carry one
 * (PgBouncer prints it in full); database passwords live in {@code [databases]}, which SHOW CONFIG
 * does not list. Masking every shown value costs nothing and also covers a password pasted where it
 * does not belong.
 */
public final class SecretMask {
    static final String MASK = "********";
    private static final Pattern SECRET_PAIR = Pattern.compile(
            "(?i)\\b(password|ldapbindpasswd)(\\s*=\\s*)(\"(?:[^\"\\\\]|\\\\.)*\"?|'(?:[^'\\\\]|\\\\.|'')*'?|[^\\s'\"]+)");

    private SecretMask() {
    }

    /** {@code text} with every secret pair's value replaced by {@value #MASK}; null stays null. */
    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = SECRET_PAIR.matcher(text);
        return m.find() ? m.replaceAll("$1$2" + MASK) : text;
    }
}
