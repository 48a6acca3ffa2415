package io.pooler.server.container;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * An OCI image tarball as {@code jib:buildTar} writes it (oci-layout, index.json, blobs/sha256/...), read
 * without a container engine: its config and the files of its layers, later layers over earlier ones.
 */
final class OciImage {
    /** A file of the image: its tar header and, for small files, its content. */
    record File(TarArchiveEntry entry, byte[] content) {
        int mode() {
            return entry.getMode() & 07777;
        }

        String text() {
            return new String(content, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static final int KEPT_CONTENT = 64 * 1024;
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final JsonNode config;
    private final List<Path> layers;
    private final Map<String, File> files;

    private OciImage(JsonNode config, List<Path> layers, Map<String, File> files) {
        this.config = config;
        this.layers = layers;
        this.files = files;
    }

    /** Unpacks the tarball's blobs into {@code workDir} and reads the first image of its index. */
    static OciImage read(Path tarball, Path workDir) throws IOException {
        Map<String, Path> blobs = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(tarball)))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                if (e.isFile()) {
                    Path target = workDir.resolve(e.getName().replace('/', '_'));
                    Files.copy(tar, target);
                    blobs.put(e.getName(), target);
                }
            }
        }
        JsonNode index = JSON.readTree(Files.readString(blobs.get("index.json")));
        JsonNode manifest = JSON.readTree(Files.readString(blob(blobs, index.at("/manifests/0/digest").asString())));
        JsonNode config = JSON.readTree(Files.readString(blob(blobs, manifest.at("/config/digest").asString())));
        List<Path> layers = new ArrayList<>();
        Map<String, File> files = new LinkedHashMap<>();
        for (JsonNode layer : manifest.get("layers")) {
            Path path = blob(blobs, layer.get("digest").asString());
            layers.add(path);
            readLayer(path, files);
        }
        return new OciImage(config, layers, files);
    }

    private static Path blob(Map<String, Path> blobs, String digest) {
        Path path = blobs.get("blobs/sha256/" + digest.substring("sha256:".length()));
        if (path == null) {
            throw new IllegalStateException("the tarball has no blob " + digest);
        }
        return path;
    }

    private static void readLayer(Path layer, Map<String, File> files) throws IOException {
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(layer)));
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                byte[] content = e.isFile() && e.getSize() <= KEPT_CONTENT ? tar.readAllBytes() : new byte[0];
                files.put(normalize(e.getName()), new File(e, content));
            }
        }
    }

    /** "./etc/passwd", "etc/passwd" and "etc/" all become absolute paths without a trailing slash. */
    private static String normalize(String name) {
        String n = name.startsWith("./") ? name.substring(1) : name.startsWith("/") ? name : "/" + name;
        return n.length() > 1 && n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
    }

    /** The {@code config} object of the image configuration: User, Entrypoint, Cmd, Env, ExposedPorts... */
    JsonNode config() {
        return config.get("config");
    }

    String architecture() {
        return config.get("architecture").asString();
    }

    /** The image's environment as a map. */
    Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : config().get("Env")) {
            String s = e.asString();
            env.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
        }
        return env;
    }

    static List<String> strings(JsonNode array) {
        List<String> list = new ArrayList<>();
        array.forEach(n -> list.add(n.asString()));
        return list;
    }

    File file(String path) {
        File f = files.get(path);
        if (f == null) {
            throw new AssertionError("the image has no " + path);
        }
        return f;
    }

    boolean has(String path) {
        return files.containsKey(path);
    }

    /** The gzipped layer tarballs, first (the base) to last. */
    List<Path> layers() {
        return layers;
    }
}
