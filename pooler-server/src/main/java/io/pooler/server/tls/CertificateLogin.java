package io.pooler.server.tls;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * {@code auth_type = cert}: the client logs in as the user its certificate names. The certificate was
 * already checked against {@code client_tls_ca_file} during the handshake (the config requires
 * verify-ca or verify-full for this auth type); here its subject's CommonName must equal the user name
 * of the StartupMessage, as PostgreSQL's cert method does without a user name map.
 */
public final class CertificateLogin {
    private CertificateLogin() {
    }

    /** Why this login is refused, for the log; empty when the certificate names the user. */
    public static Optional<String> refusal(Optional<SSLSession> session, String user) {
        return refusal(session, user, user::equals);
    }

    /**
     * As {@link #refusal(Optional, String)}, with {@code nameAllowed} deciding which CommonNames may log in
     * as {@code user} (an hba line's ident map).
     */
    public static Optional<String> refusal(Optional<SSLSession> session, String user,
                                           java.util.function.Predicate<String> nameAllowed) {
        if (session.isEmpty()) {
            return Optional.of("TLS connection required");
        }
        Certificate[] chain;
        try {
            chain = session.get().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.of("TLS client certificate required");
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
            return Optional.of("TLS client certificate required");
        }
        Optional<String> commonName = commonName(certificate);
        if (commonName.isEmpty()) {
            return Optional.of("TLS client certificate has no CommonName");
        }
        if (!nameAllowed.test(commonName.get())) {
            return Optional.of("TLS certificate name mismatch: certificate is for \"" + commonName.get()
                    + "\", login is for \"" + user + "\"");
        }
        return Optional.empty();
    }

    /** The most specific (last written) CN of the subject, as PostgreSQL takes it. */
    static Optional<String> commonName(X509Certificate certificate) {
        try {
            LdapName name = new LdapName(certificate.getSubjectX500Principal().getName());
            // LdapName lists RDNs right to left, least specific first: search from the end.
            for (int i = name.size() - 1; i >= 0; i--) {
                Rdn rdn = name.getRdn(i);
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return Optional.of(String.valueOf(rdn.getValue()));
                }
            }
            return Optional.empty();
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
    }
}
