package io.pooler.server.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;

/**
 * Checks that a private key belongs to a certificate by signing a few bytes and verifying them with the
 * certificate's public key, so a mismatch is a config error at load time rather than a handshake failure
 * for every client later.
 */
final class KeyPairCheck {
    private static final byte[] PROBE = "pooler key pair check".getBytes(StandardCharsets.US_ASCII);

    private KeyPairCheck() {
    }

    static void check(String keyKey, Path keyFile, PrivateKey key, String certKey, X509Certificate certificate)
            throws TlsConfigException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        if (algorithm == null) {
            return; // an unusual key type: the handshake will tell
        }
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(PROBE);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new TlsConfigException(keyKey + " " + keyFile + " is not the key of the certificate in " + certKey);
        }
    }
}
