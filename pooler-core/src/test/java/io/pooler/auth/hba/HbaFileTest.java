package io.pooler.auth.hba;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HbaFileTest {
    private static final Path FILE = Path.of("/etc/pooler/hba.conf");

    @TempDir
    Path temp;

    @Test
    void firstMatchingLineWins() throws Exception {
        HbaFile hba = parse("""
                # TYPE  DATABASE  USER   ADDRESS        METHOD
                host    shop      evil   0.0.0.0/0      reject
                host    shop      all    10.0.0.0/8     scram-sha-256
                host    all       all    10.0.0.0/8     md5
                """);
        assertEquals(Optional.of(HbaMethod.REJECT), method(hba, "10.1.2.3", "shop", "evil"));
        assertEquals(Optional.of(HbaMethod.SCRAM_SHA_256), method(hba, "10.1.2.3", "shop", "alice"));
        assertEquals(Optional.of(HbaMethod.MD5), method(hba, "10.1.2.3", "crm", "alice"));
        assertEquals(Optional.empty(), method(hba, "192.168.0.1", "crm", "alice"));
        assertEquals("/etc/pooler/hba.conf:3", hba.match(request("10.1.2.3", "shop", "alice")).orElseThrow().location());
    }

    @Test
    void cidrAndMaskForms() throws Exception {
        HbaFile hba = parse("""
                host all all 192.168.1.0 255.255.255.0 trust
                host all all 172.16.0.0/12 md5
                host all all 192.168.7.5/24 password
                host all all 10.9.9.9/32 scram-sha-256
                host all all fd00::/8 md5
                """);
        assertEquals(Optional.of(HbaMethod.TRUST), method(hba, "192.168.1.200", "d", "u"));
        assertEquals(Optional.of(HbaMethod.MD5), method(hba, "172.31.255.255", "d", "u"));
        assertEquals(Optional.empty(), method(hba, "172.32.0.1", "d", "u"));
        // PostgreSQL masks both sides: host bits in the rule's address do not matter.
        assertEquals(Optional.of(HbaMethod.PASSWORD), method(hba, "192.168.7.99", "d", "u"));
        assertEquals(Optional.of(HbaMethod.SCRAM_SHA_256), method(hba, "10.9.9.9", "d", "u"));
        assertEquals(Optional.empty(), method(hba, "10.9.9.8", "d", "u"));
        assertEquals(Optional.of(HbaMethod.MD5), method(hba, "fd12:3456::1", "d", "u"));
        assertEquals(Optional.empty(), method(hba, "fe80::1", "d", "u"));
    }

    @Test
    void ipv4RuleMatchesIpv4MappedClientButIpv6RuleNeverMatchesIpv4() throws Exception {
        HbaFile hba = parse("host all all 127.0.0.1/32 trust\nhost all all ::/0 reject\n");
        InetAddress mapped = InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1});
        assertEquals(HbaMethod.TRUST, hba.match(HbaRequest.host(mapped, false, "d", "u")).orElseThrow().method());
        assertEquals(Optional.empty(), method(hba, "10.0.0.1", "d", "u"));
        assertEquals(Optional.of(HbaMethod.REJECT), method(hba, "::2", "d", "u"));
    }

    @Test
    void allAddressAndLocalLines() throws Exception {
        HbaFile hba = parse("local all postgres peer\nlocal all all md5\nhost all all all scram-sha-256\n");
        assertEquals(HbaMethod.PEER, hba.match(HbaRequest.local("d", "postgres")).orElseThrow().method());
        assertEquals(HbaMethod.MD5, hba.match(HbaRequest.local("d", "alice")).orElseThrow().method());
        assertEquals(Optional.of(HbaMethod.SCRAM_SHA_256), method(hba, "203.0.113.9", "d", "postgres"));
    }

    @Test
    void sslTypesFollowTheTlsFlag() throws Exception {
        HbaFile hba = parse("hostssl all all all cert\nhostnossl all all all md5\n");
        InetAddress client = InetAddress.getByName("10.0.0.1");
        assertEquals(HbaMethod.CERT, hba.match(HbaRequest.host(client, true, "d", "u")).orElseThrow().method());
        assertEquals(HbaMethod.MD5, hba.match(HbaRequest.host(client, false, "d", "u")).orElseThrow().method());
        assertEquals(Optional.empty(), hba.match(HbaRequest.local("d", "u")));
    }

    @Test
    void namesListsKeywordsAndQuoting() throws Exception {
        HbaFile hba = parse("""
                host  sameuser          all            all  trust
                host  "all"             bob            all  password
                host  shop,crm , erp    alice,"Carol"  all  md5
                host  replication       all            all  scram-sha-256
                """);
        assertEquals(Optional.of(HbaMethod.TRUST), method(hba, "10.0.0.1", "bob", "bob"));
        // A quoted keyword is a plain name.
        assertEquals(Optional.of(HbaMethod.PASSWORD), method(hba, "10.0.0.1", "all", "bob"));
        assertEquals(Optional.empty(), method(hba, "10.0.0.1", "shop", "bob"));
        assertEquals(Optional.of(HbaMethod.MD5), method(hba, "10.0.0.1", "erp", "Carol"));
        assertEquals(Optional.empty(), method(hba, "10.0.0.1", "erp", "carol"));
        InetAddress client = InetAddress.getByName("10.0.0.1");
        HbaRequest replication = new HbaRequest(Optional.of(client), false, true, "shop", "alice");
        assertEquals(HbaMethod.SCRAM_SHA_256, hba.match(replication).orElseThrow().method());
    }

    @Test
    void allDoesNotCoverReplicationConnections() throws Exception {
        HbaFile hba = parse("host all all all trust\n");
        HbaRequest replication = new HbaRequest(Optional.of(InetAddress.getByName("10.0.0.1")), false, true, "d", "u");
        assertEquals(Optional.empty(), hba.match(replication));
    }

    @Test
    void atFileIncludesNamesRelativeToTheHbaFile() throws Exception {
        Files.writeString(temp.resolve("admins"), "# the admins\nalice, bob\ncarol\n");
        Path file = temp.resolve("hba.conf");
        Files.writeString(file, "host all @admins all md5\nhost all all all reject\n");
        HbaFile hba = HbaFile.load(file);
        assertEquals(Optional.of(HbaMethod.MD5), method(hba, "10.0.0.1", "d", "carol"));
        assertEquals(Optional.of(HbaMethod.REJECT), method(hba, "10.0.0.1", "d", "dave"));
    }

    @Test
    void errorsNameFileAndLine() {
        assertError("host all all all trust\nhost all all 10.0.0.0/33 md5\n", "/etc/pooler/hba.conf:2: invalid CIDR mask in address \"10.0.0.0/33\"");
        assertError("host all +staff all md5\n", "/etc/pooler/hba.conf:1: group membership (\"+staff\") is not supported");
        assertError("hostgssenc all all all md5\n", "/etc/pooler/hba.conf:1: invalid connection type \"hostgssenc\" (GSSAPI encryption is not supported)");
        assertError("host all all db.example.com md5\n", "/etc/pooler/hba.conf:1: invalid IP address \"db.example.com\" (host names are not supported)");
        assertError("host all all 10.0.0.0 md5\n", "/etc/pooler/hba.conf:1: invalid IP mask \"md5\"");
        assertError("host all all all ldap\n", "/etc/pooler/hba.conf:1: authentication method \"ldap\" is not supported");
        assertError("host all all all krb\n", "/etc/pooler/hba.conf:1: invalid authentication method \"krb\"");
        assertError("host all all all md5 clientcert=verify-full\n", "/etc/pooler/hba.conf:1: unsupported authentication option \"clientcert=verify-full\"");
        assertError("local all all peer map=omicron\n", "/etc/pooler/hba.conf:1: map=omicron needs auth_ident_file");
        assertError("host all all all\n", "/etc/pooler/hba.conf:1: end-of-line before authentication method");
        assertError("host samerole all all md5\n", "/etc/pooler/hba.conf:1: database keyword \"samerole\" is not supported");
        assertError("host all all all cert\n", "/etc/pooler/hba.conf:1: cert authentication is only supported on hostssl connections");
        assertError("host all all all peer\n", "/etc/pooler/hba.conf:1: peer authentication is only supported on local sockets");
        assertError("host \"all all all md5\n", "/etc/pooler/hba.conf:1: unterminated quoted string");
        assertError("host all, all all md5\n", "/etc/pooler/hba.conf:1: invalid IP address \"md5\" (host names are not supported)");
    }

    @Test
    void missingIncludeIsAnError() {
        HbaException e = assertThrows(HbaException.class,
                () -> HbaFile.parse("host all @nope all md5\n", temp.resolve("hba.conf")));
        assertTrue(e.getMessage().startsWith(temp.resolve("hba.conf") + ":1: could not read included file"), e.getMessage());
    }

    @Test
    void noRulesMatchesNothing() throws Exception {
        assertEquals(Optional.empty(), method(parse("# nothing\n\n"), "127.0.0.1", "d", "u"));
    }

    private static void assertError(String text, String message) {
        HbaException e = assertThrows(HbaException.class, () -> parse(text));
        assertEquals(message, e.getMessage());
    }

    private static HbaFile parse(String text) throws HbaException {
        return HbaFile.parse(text, FILE);
    }

    private static HbaRequest request(String address, String database, String user) throws Exception {
        return HbaRequest.host(InetAddress.getByName(address), false, database, user);
    }

    private static Optional<HbaMethod> method(HbaFile hba, String address, String database, String user) throws Exception {
        return hba.match(request(address, database, user)).map(HbaRule::method);
    }
}
