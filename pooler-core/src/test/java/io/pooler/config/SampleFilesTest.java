package io.pooler.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped samples in conf/ (tests run in pooler-core, so that is ../conf). */
class SampleFilesTest {

    private static final Path SAMPLE_INI = Path.of("../conf/pooler.ini");
    private static final Path SAMPLE_USERLIST = Path.of("../conf/userlist.txt");

    @TempDir
    Path dir;

    @Test
    void sampleIniLoadsWithoutErrorsOrWarnings() throws Exception {
        LoadedConfig loaded = ConfigLoader.load(SAMPLE_INI);

        assertEquals(List.of(), loaded.warnings());
    }

    @Test
    void odooIniLoadsWithoutErrorsOrWarnings() throws Exception {
        LoadedConfig loaded = ConfigLoader.load(Path.of("../conf/odoo/pooler.ini"));

        assertEquals(List.of(), loaded.warnings());
        PoolerConfig config = loaded.config();
        // LISTEN on "postgres" is multiplexed, so it pools transactions too, as the business databases do.
        assertEquals(PoolMode.TRANSACTION, config.findDatabase("postgres").orElseThrow().poolMode().orElseThrow());
        assertTrue(config.settings().listenMultiplex());
        assertEquals(PoolMode.TRANSACTION, config.findDatabase("odoo_prod").orElseThrow().poolMode().orElseThrow());
        assertEquals(90, config.users().get("odoo").maxUserConnections().getAsInt());
        // odoo, and the console's admin and stats users the kit ships (admin_users, stats_users)
        assertEquals(java.util.Set.of("odoo", "pooler_admin", "pooler_stats"),
                io.pooler.auth.Userlist.load(Path.of("../conf/odoo/userlist.txt")).users());
    }

    @Test
    void sampleIniBehavesLikeAnEmptyConfiguration() throws Exception {
        List<ConfigValue> sample = ConfigLoader.load(SAMPLE_INI).config().showConfig();
        List<ConfigValue> empty = ConfigLoader.load(IniFiles.write(dir.resolve("empty.ini"), "[pgbouncer]"))
                .config().showConfig();

        assertEquals(withoutConffile(empty), withoutConffile(sample));
    }

    private static List<ConfigValue> withoutConffile(List<ConfigValue> rows) {
        return rows.stream().filter(row -> !row.key().equals("conffile")).toList();
    }

    @Test
    void sampleIniListsEverySupportedKeyAndCommentsOutTheOthers() throws Exception {
        String text = Files.readString(SAMPLE_INI);

        for (ConfigKey key : KeyRegistry.pgbouncerKeys()) {
            Pattern active = Pattern.compile("(?m)^" + key.name() + " =");
            Pattern commented = Pattern.compile("(?m)^;" + key.name() + " =");
            if (key.supported()) {
                assertTrue(active.matcher(text).find() || commented.matcher(text).find(), key.name());
            } else {
                assertTrue(commented.matcher(text).find(), key.name() + " should be listed, commented out");
                assertTrue(!active.matcher(text).find(), key.name() + " should not be set");
            }
        }
    }

    @Test
    void sampleUserlistSecretsMatchTheirDocumentedPasswords() throws Exception {
        Map<String, String> secrets = readUserlist(SAMPLE_USERLIST);

        assertEquals(List.of("alice", "bob", "carol"), List.copyOf(secrets.keySet()));
        assertEquals("alice-secret", secrets.get("alice"));
        assertEquals("md5" + md5Hex("bob-secret" + "bob"), secrets.get("bob"));
        assertScramVerifierOf("carol-secret", secrets.get("carol"));
    }

    /** The first two double-quoted fields of each non-comment line, as PgBouncer reads an auth_file. */
    private static Map<String, String> readUserlist(Path file) throws Exception {
        Pattern line = Pattern.compile("^\"((?:[^\"]|\"\")*)\"\\s+\"((?:[^\"]|\"\")*)\"");
        Map<String, String> secrets = new LinkedHashMap<>();
        for (String text : Files.readAllLines(file)) {
            if (text.isBlank() || text.startsWith(";")) {
                continue;
            }
            Matcher m = line.matcher(text);
            assertTrue(m.find(), "not a userlist line: " + text);
            secrets.put(m.group(1).replace("\"\"", "\""), m.group(2).replace("\"\"", "\""));
        }
        return secrets;
    }

    private static String md5Hex(String text) throws Exception {
        byte[] digest = MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest);
    }

    /** RFC 5802/7677: StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key"). */
    private static void assertScramVerifierOf(String password, String verifier) throws Exception {
        Matcher m = Pattern.compile("SCRAM-SHA-256\\$(\\d+):([^$]+)\\$([^:]+):(.+)").matcher(verifier);
        assertTrue(m.matches(), verifier);
        int iterations = Integer.parseInt(m.group(1));
        byte[] salt = Base64.getDecoder().decode(m.group(2));

        byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256)).getEncoded();
        byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(hmac(salted, "Client Key"));
        byte[] serverKey = hmac(salted, "Server Key");

        assertEquals(Base64.getEncoder().encodeToString(storedKey), m.group(3));
        assertEquals(Base64.getEncoder().encodeToString(serverKey), m.group(4));
    }

    private static byte[] hmac(byte[] key, String message) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    }
}
