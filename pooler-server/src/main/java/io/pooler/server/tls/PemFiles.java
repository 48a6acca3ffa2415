package io.pooler.server.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and private keys as PgBouncer's users have them: certificates in
 * {@code BEGIN CERTIFICATE} blocks, keys as PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA
 * ({@code BEGIN RSA PRIVATE KEY}) or SEC1 EC ({@code BEGIN EC PRIVATE KEY}), the three forms openssl writes.
 *
 * <p>The JDK reads only PKCS#8 (and Netty's PEM reader likewise, without BouncyCastle on the class path),
 * so the two older forms are wrapped into PKCS#8 here: a few fixed DER bytes around the key, which is
 * cheaper than shipping BouncyCastle in the daemon. Encrypted keys are refused: PgBouncer has no
 * passphrase setting either.
 *
 * <p>NOTE: no message or exception from here carries a byte of a key file; decoded key bytes are wiped
 * once the key object is built.
 */
final class PemFiles {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    /** AlgorithmIdentifier of rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
    private static final byte[] RSA_ALGORITHM = {
        0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    /** OBJECT IDENTIFIER id-ecPublicKey (1.2.840.10045.2.1). */
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "EdDSA", "RSASSA-PSS", "DSA");

    private PemFiles() {
    }

    /** Every certificate in the file, in order (a leaf first, then its intermediates). */
    static List<X509Certificate> certificates(String key, Path file) throws TlsConfigException {
        String text = read(key, file);
        List<X509Certificate> certificates = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE") || m.group(1).equals("TRUSTED CERTIFICATE")) {
                    certificates.add((X509Certificate) factory.generateCertificate(
                            new ByteArrayInputStream(decode(key, file, m.group(2)))));
                }
            }
        } catch (CertificateException e) {
            throw new TlsConfigException(key + " " + file + ": not a valid X.509 certificate (" + e.getMessage() + ")");
        }
        if (certificates.isEmpty()) {
            throw new TlsConfigException(key + " " + file + ": no PEM certificate (BEGIN CERTIFICATE) in the file");
        }
        return certificates;
    }

    /** The first private key in the file. */
    static PrivateKey privateKey(String key, Path file) throws TlsConfigException {
        String text = read(key, file);
        Matcher m = BLOCK.matcher(text);
        byte[] ecParameters = null; // "openssl ecparam -genkey" writes the curve in a block of its own first
        while (m.find()) {
            String label = m.group(1);
            if (label.equals("EC PARAMETERS")) {
                ecParameters = decode(key, file, m.group(2));
                continue;
            }
            // Legacy encrypted PEM has "Proc-Type: 4,ENCRYPTED" headers; ':' is not base64, so no key body has one.
            if (label.equals("ENCRYPTED PRIVATE KEY") || m.group(2).contains("Proc-Type:")) {
                throw new TlsConfigException(key + " " + file + ": the private key is encrypted;"
                        + " Pooler, like PgBouncer, needs it unencrypted (and readable by its user only)");
            }
            byte[] der = switch (label) {
                case "PRIVATE KEY" -> decode(key, file, m.group(2));
                case "RSA PRIVATE KEY" -> pkcs8FromPkcs1(decode(key, file, m.group(2)));
                case "EC PRIVATE KEY" -> pkcs8FromSec1(key, file, decode(key, file, m.group(2)), ecParameters);
                default -> null;
            };
            if (der != null) {
                try {
                    return toPrivateKey(key, file, der);
                } finally {
                    Arrays.fill(der, (byte) 0);
                }
            }
        }
        throw new TlsConfigException(key + " " + file + ": no PEM private key (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY"
                + " or BEGIN EC PRIVATE KEY) in the file");
    }

    private static PrivateKey toPrivateKey(String key, Path file, byte[] pkcs8) throws TlsConfigException {
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException | RuntimeException wrongAlgorithm) {
                // Try the next one; the key says its algorithm only inside the DER we do not parse.
            }
        }
        throw new TlsConfigException(key + " " + file + ": the private key is not a valid RSA, EC, EdDSA or DSA key");
    }

    private static String read(String key, Path file) throws TlsConfigException {
        try {
            // ISO-8859-1 maps every byte: a stray non-ASCII byte cannot make reading fail.
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new TlsConfigException(key + " " + file + ": cannot read the file (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static byte[] decode(String key, Path file, String base64) throws TlsConfigException {
        try {
            return Base64.getMimeDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new TlsConfigException(key + " " + file + ": a PEM block is not valid base64");
        }
    }

    /** PrivateKeyInfo { version 0, rsaEncryption, OCTET STRING { RSAPrivateKey } } (RFC 5208, RFC 8017). */
    private static byte[] pkcs8FromPkcs1(byte[] pkcs1) {
        try {
            return der(0x30, new byte[] {0x02, 0x01, 0x00}, RSA_ALGORITHM, der(0x04, pkcs1));
        } finally {
            Arrays.fill(pkcs1, (byte) 0);
        }
    }

    /**
     * PrivateKeyInfo { version 0, { id-ecPublicKey, curve }, OCTET STRING { ECPrivateKey } } (RFC 5915): the
     * curve comes from the ECPrivateKey's own {@code [0] parameters}, which openssl writes, else from an
     * EC PARAMETERS block before it.
     */
    private static byte[] pkcs8FromSec1(String key, Path file, byte[] sec1, byte[] ecParameters) throws TlsConfigException {
        try {
            DerReader outer = new DerReader(sec1);
            DerReader fields = new DerReader(outer.read(0x30));
            fields.read(0x02); // version
            fields.read(0x04); // the private key
            byte[] curve = ecParameters; // the named curve's OBJECT IDENTIFIER, tag and all
            while (fields.hasMore()) {
                if (fields.peekTag() == 0xa0) {
                    curve = fields.read(0xa0);
                    break;
                }
                fields.skip();
            }
            if (curve == null || curve.length == 0 || curve[0] != 0x06) {
                throw new TlsConfigException(key + " " + file + ": the EC private key does not name its curve");
            }
            return der(0x30, new byte[] {0x02, 0x01, 0x00}, der(0x30, EC_PUBLIC_KEY_OID, curve), der(0x04, sec1));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new TlsConfigException(key + " " + file + ": the EC private key is not valid DER");
        } finally {
            Arrays.fill(sec1, (byte) 0);
        }
    }

    /** One DER element: the tag, the definite length, then the parts. */
    private static byte[] der(int tag, byte[]... parts) {
        int length = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] lengthBytes;
        if (length < 0x80) {
            lengthBytes = new byte[] {(byte) length};
        } else {
            int octets = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
            lengthBytes = new byte[octets + 1];
            lengthBytes[0] = (byte) (0x80 | octets);
            for (int i = 0; i < octets; i++) {
                lengthBytes[octets - i] = (byte) (length >>> (8 * i));
            }
        }
        byte[] out = new byte[1 + lengthBytes.length + length];
        out[0] = (byte) tag;
        System.arraycopy(lengthBytes, 0, out, 1, lengthBytes.length);
        int at = 1 + lengthBytes.length;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    /** Just enough DER reading to find a SEC1 key's curve: tags, definite lengths, contents. */
    private static final class DerReader {
        private final byte[] data;
        private int position;

        DerReader(byte[] data) {
            this.data = data;
        }

        boolean hasMore() {
            return position < data.length;
        }

        int peekTag() {
            return data[position] & 0xff;
        }

        /** The contents of the next element, which must have this tag. */
        byte[] read(int tag) {
            if (!hasMore() || peekTag() != tag) {
                throw new IllegalArgumentException("unexpected DER tag");
            }
            position++;
            int length = readLength();
            byte[] contents = Arrays.copyOfRange(data, position, position + length);
            position += length;
            return contents;
        }

        void skip() {
            read(peekTag());
        }

        private int readLength() {
            int first = data[position++] & 0xff;
            if (first < 0x80) {
                return checked(first);
            }
            int octets = first & 0x7f;
            if (octets == 0 || octets > 3) {
                throw new IllegalArgumentException("unsupported DER length");
            }
            int length = 0;
            for (int i = 0; i < octets; i++) {
                length = (length << 8) | (data[position++] & 0xff);
            }
            return checked(length);
        }

        private int checked(int length) {
            if (position + length > data.length) {
                throw new IllegalArgumentException("DER length beyond the data");
            }
            return length;
        }
    }
}
