package io.pooler.auth.hba;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** auth_ident_file as PgBouncer 1.23+ reads it, and hba {@code map=} lines that use it. */
class IdentMapsTest {
    private static final Path IDENT = Path.of("/etc/pooler/ident.conf");
    private static final Path HBA = Path.of("/etc/pooler/hba.conf");

    private static IdentMaps maps() throws HbaException {
        return IdentMaps.parse("""
                # map   system user   database user
                omicron root          postgres
                omicron "alice smith" app
                omicron bob           all

                certs   client.example.com  app
                """, IDENT);
    }

    @Test
    void mapsPairSystemAndDatabaseUsers() throws Exception {
        IdentMaps maps = maps();
        assertTrue(maps.permits("omicron", "root", "postgres"));
        assertFalse(maps.permits("omicron", "root", "app"), "a line allows only its own pair");
        assertTrue(maps.permits("omicron", "alice smith", "app"), "quoted names");
        assertTrue(maps.permits("omicron", "bob", "anyone"), "all");
        assertFalse(maps.permits("omicron", "postgres", "postgres"), "the same name is not allowed by itself");
        assertFalse(maps.permits("certs", "root", "postgres"), "maps are separate");
        assertFalse(maps.permits("nosuchmap", "root", "postgres"));
    }

    @Test
    void unsupportedLinesStopTheLoadNamingFileAndLine() {
        assertEquals("/etc/pooler/ident.conf:1: regular expressions are not supported",
                assertThrows(HbaException.class, () -> IdentMaps.parse("m /^(.*)$ \\1\n", IDENT)).getMessage());
        assertEquals("/etc/pooler/ident.conf:2: group names (+group) are not supported",
                assertThrows(HbaException.class, () -> IdentMaps.parse("m a b\nm root +admins\n", IDENT)).getMessage());
        assertEquals("/etc/pooler/ident.conf:1: expected \"map-name system-username database-username\"",
                assertThrows(HbaException.class, () -> IdentMaps.parse("m root\n", IDENT)).getMessage());
    }

    @Test
    void hbaLinesNameMapsOfTheIdentFile() throws Exception {
        HbaFile hba = HbaFile.parse("local all all peer map=omicron\nlocal all all peer\n", HBA, maps());
        HbaRule mapped = hba.rules().get(0);
        HbaRule plain = hba.rules().get(1);
        assertTrue(hba.systemUserMayLogIn(mapped, "root", "postgres"));
        assertFalse(hba.systemUserMayLogIn(mapped, "app", "app"), "with a map, only the map decides");
        assertTrue(hba.systemUserMayLogIn(plain, "app", "app"));
        assertFalse(hba.systemUserMayLogIn(plain, "root", "postgres"));

        assertEquals("/etc/pooler/hba.conf:1: ident map \"nomap\" is not in /etc/pooler/ident.conf",
                assertThrows(HbaException.class, () -> HbaFile.parse("local all all peer map=nomap\n", HBA, maps()))
                        .getMessage());
        assertEquals("/etc/pooler/hba.conf:1: unsupported authentication option \"clientcert=1\"",
                assertThrows(HbaException.class, () -> HbaFile.parse("local all all peer map=omicron clientcert=1\n",
                        HBA, maps())).getMessage());
    }
}
