package io.pooler.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShowConfigSecretsTest {

    @TempDir
    Path dir;

    @Test
    void noPasswordReachesShowConfig() throws Exception {
        Path ini = IniFiles.write(dir.resolve("pooler.ini"),
                "[databases]",
                "shop = host=db1 user=shop password='db s3cret' auth_user=lookup",
                "crm = host=db2 user=crm password=crm-secret",
                "[pgbouncer]",
                "auth_ldap_options = ldapurl=\"ldap://ldap.example.net/dc=example,dc=net?uid?sub\" ldapbindpasswd=\"ldap secret\"",
                "auth_query = SELECT usename, passwd FROM pgbouncer.get_auth($1)");
        List<ConfigValue> rows = ConfigLoader.load(ini).config().showConfig();

        for (ConfigValue row : rows) {
            for (String secret : List.of("db s3cret", "crm-secret", "ldap secret")) {
                assertFalse(row.value() != null && row.value().contains(secret), row.key() + " shows " + secret);
            }
        }
        Map<String, String> values = rows.stream().filter(r -> r.value() != null)
                .collect(Collectors.toMap(ConfigValue::key, ConfigValue::value));
        assertEquals("ldapurl=\"ldap://ldap.example.net/dc=example,dc=net?uid?sub\" ldapbindpasswd=********",
                values.get("auth_ldap_options"));
        // Queries are shown as written: they are not secrets.
        assertEquals("SELECT usename, passwd FROM pgbouncer.get_auth($1)", values.get("auth_query"));
    }

    @Test
    void masksEveryQuotingForm() {
        assertEquals("host=x password=******** user=y", SecretMask.mask("host=x password=abc user=y"));
        assertEquals("password = ********", SecretMask.mask("password = 'it''s'"));
        assertEquals("PASSWORD=******** x", SecretMask.mask("PASSWORD=\"a \\\" b\" x"));
        assertEquals("no secrets here", SecretMask.mask("no secrets here"));
        assertEquals(null, SecretMask.mask(null));
    }
}
