package io.pooler.server.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.openshift.api.model.monitoring.v1.Endpoint;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.pooler.config.ConfigLoader;
import io.pooler.config.LoadedConfig;
import io.pooler.config.Settings;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * deploy/kubernetes/ read as Kubernetes reads it: every file one object of a typed model (fabric8's), with no
 * field the API does not know, then the links between the objects checked (labels, ports, names, the
 * commands the image runs), and the ConfigMap's pgbouncer.ini loaded with Pooler's own ConfigLoader.
 */
class KubernetesManifestsTest {
    static final Path MANIFESTS = Path.of("..", "deploy", "kubernetes");
    private static final String APP_LABEL = "app.kubernetes.io/name";
    /** The image's user (pooler-server/pom.xml, profile image). */
    private static final long IMAGE_UID = 10001;

    private static final Map<Path, HasMetadata> objects = new LinkedHashMap<>();

    @BeforeAll
    static void parseEveryManifest() throws IOException {
        KubernetesSerialization serialization = new KubernetesSerialization(
                JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build(), true);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(MANIFESTS)) {
            files = walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no manifests under " + MANIFESTS.toAbsolutePath());
        for (Path file : files) {
            Object parsed = serialization.unmarshal(Files.readString(file));
            if (!(parsed instanceof HasMetadata object) || parsed instanceof GenericKubernetesResource) {
                fail(file + ": not a kind the Kubernetes model knows (apiVersion/kind), parsed as " + parsed.getClass().getName());
                return;
            }
            List<String> unknown = new ArrayList<>();
            findUnknownFields(object, object.getKind(), unknown);
            assertEquals(List.of(), unknown, file + ": fields the Kubernetes API does not have");
            objects.put(file, object);
        }
    }

    /**
     * Fabric8's model keeps fields it does not know in each object's additionalProperties instead of failing
     * (that is how it reads newer API versions), so FAIL_ON_UNKNOWN_PROPERTIES alone catches nothing there:
     * walk the model and report every such field, with its path.
     */
    static void findUnknownFields(Object node, String path, List<String> unknown) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> findUnknownFields(v, path + "." + k, unknown));
        } else if (node instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                findUnknownFields(item, path + "[" + i++ + "]", unknown);
            }
        } else if (node != null && node.getClass().getName().startsWith("io.fabric8.")) {
            for (Method getter : node.getClass().getMethods()) {
                if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())) {
                    continue;
                }
                if (getter.getName().equals("getAdditionalProperties")) {
                    Map<?, ?> extra = (Map<?, ?>) invoke(getter, node);
                    extra.keySet().forEach(k -> unknown.add(path + "." + k));
                } else if (getter.isAnnotationPresent(JsonProperty.class)) {
                    findUnknownFields(invoke(getter, node), path + "." + getter.getAnnotation(JsonProperty.class).value(), unknown);
                }
            }
        }
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(getter + ": " + e, e);
        }
    }

    /** The walk above finds what it is meant to find. */
    @Test
    void aFieldTheApiDoesNotHaveIsFound() {
        KubernetesSerialization serialization = new KubernetesSerialization();
        StatefulSet misspelt = serialization.unmarshal(String.join("\n",
                "apiVersion: apps/v1", "kind: StatefulSet", "metadata: {name: x}",
                "spec:", "  replica: 3", "  template:", "    spec:", "      containers:",
                "        - name: c", "          image: i", "          livenessProbes: {}", ""), StatefulSet.class);
        List<String> unknown = new ArrayList<>();
        findUnknownFields(misspelt, "StatefulSet", unknown);
        assertEquals(Set.of("StatefulSet.spec.replica", "StatefulSet.spec.template.spec.containers[0].livenessProbes"),
                Set.copyOf(unknown));
    }

    @Test
    void everyObjectIsNamedAndLabelled() {
        objects.forEach((file, o) -> {
            assertTrue(o.getMetadata().getName() != null && !o.getMetadata().getName().isBlank(), file + ": metadata.name");
            assertEquals("pooler", o.getMetadata().getLabels().get(APP_LABEL), file + ": label " + APP_LABEL);
            assertEquals(null, o.getMetadata().getNamespace(), file + ": the namespace is kubectl's -n, not the file's");
        });
        assertEquals(Set.of("ConfigMap", "Secret", "Service", "StatefulSet", "PodDisruptionBudget", "ServiceMonitor"),
                objects.values().stream().map(HasMetadata::getKind).collect(Collectors.toSet()));
    }

    @Test
    void theStatefulSetSelectsItsOwnPodsAndNamesThemThroughTheHeadlessService() {
        StatefulSet sts = one(StatefulSet.class);
        Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
        assertSelects(sts.getSpec().getSelector().getMatchLabels(), podLabels, "StatefulSet selector");
        Service headless = service(sts.getSpec().getServiceName());
        assertEquals("None", headless.getSpec().getClusterIP(), "serviceName must be a headless Service");
        assertTrue(headless.getSpec().getPublishNotReadyAddresses(), "draining pods keep their names for cancel forwarding");
        for (Service service : all(Service.class)) {
            assertSelects(service.getSpec().getSelector(), podLabels, "Service " + service.getMetadata().getName());
            for (ServicePort port : service.getSpec().getPorts()) {
                assertNotNull(port.getName(), "Service ports are named");
                assertNotNull(containerPort(port.getTargetPort().getStrVal()), "targetPort " + port.getTargetPort());
            }
        }
        PodDisruptionBudget pdb = one(PodDisruptionBudget.class);
        assertSelects(pdb.getSpec().getSelector().getMatchLabels(), podLabels, "PodDisruptionBudget selector");
        assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal());
        assertTrue(sts.getSpec().getReplicas() > pdb.getSpec().getMaxUnavailable().getIntVal());
    }

    @Test
    void everyContainerHasAnImageResourcesAndNamedPortsAndRunsAsTheImagesUser() {
        PodSpec pod = podSpec();
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertEquals(IMAGE_UID, pod.getSecurityContext().getRunAsUser());
        List<Container> containers = new ArrayList<>(pod.getInitContainers());
        containers.addAll(pod.getContainers());
        Set<String> volumes = pod.getVolumes().stream().map(Volume::getName).collect(Collectors.toSet());
        for (Container c : containers) {
            assertTrue(c.getImage() != null && c.getImage().startsWith("pooler:"), c.getName() + ": image");
            assertNotNull(c.getResources().getRequests().get("cpu"), c.getName() + ": cpu request");
            assertNotNull(c.getResources().getRequests().get("memory"), c.getName() + ": memory request");
            assertEquals(c.getResources().getRequests().get("memory"), c.getResources().getLimits().get("memory"),
                    c.getName() + ": memory limit = request (the JVM sizes its heap from the limit)");
            assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem(), c.getName());
            for (ContainerPort port : c.getPorts()) {
                assertTrue(port.getName() != null && port.getName().length() <= 15, c.getName() + ": port names");
            }
            for (VolumeMount mount : c.getVolumeMounts()) {
                assertTrue(volumes.contains(mount.getName()), c.getName() + ": volume " + mount.getName());
            }
        }
        assertEquals(6432, containerPort("pgbouncer").getContainerPort());
        assertEquals(9127, containerPort("metrics").getContainerPort());
        Map<String, String> annotations = one(StatefulSet.class).getSpec().getTemplate().getMetadata().getAnnotations();
        assertEquals("true", annotations.get("prometheus.io/scrape"));
        assertEquals("9127", annotations.get("prometheus.io/port"));
    }

    @Test
    void probesAndThePreStopHookAreTheCommandsTheImageCheckRuns() {
        Container pooler = mainContainer();
        Probe readiness = pooler.getReadinessProbe();
        assertNotNull(readiness, "readinessProbe");
        assertEquals("pgbouncer", readiness.getTcpSocket().getPort().getStrVal());
        Probe liveness = pooler.getLivenessProbe();
        assertNotNull(liveness, "livenessProbe");
        assertEquals(ContainerCommands.HEALTH_PROBE, liveness.getExec().getCommand());
        assertTrue(liveness.getTimeoutSeconds() > 5, "the probe's own timeout (5 s) fits in the kubelet's");
        List<String> preStop = pooler.getLifecycle().getPreStop().getExec().getCommand();
        assertEquals(ContainerCommands.PRE_STOP, preStop);
        int delay = Integer.parseInt(preStop.get(preStop.size() - 1));
        assertTrue(podSpec().getTerminationGracePeriodSeconds() >= delay + 60,
                "the grace period leaves transactions at least a minute after the preStop delay");

        Container init = podSpec().getInitContainers().get(0);
        assertEquals(ContainerCommands.PEER_ID, init.getCommand());
        assertEquals("metadata.name", init.getEnv().stream().filter(e -> e.getName().equals(PeerIdFile.POD_NAME_ENV))
                .findFirst().orElseThrow().getValueFrom().getFieldRef().getFieldPath());
        String peerFile = ContainerCommands.PEER_ID.get(ContainerCommands.PEER_ID.size() - 1);
        for (Container c : List.of(init, pooler)) {
            assertTrue(c.getVolumeMounts().stream().anyMatch(m -> peerFile.startsWith(m.getMountPath() + "/")),
                    c.getName() + " mounts the directory of " + peerFile);
        }
    }

    @Test
    void theServiceMonitorScrapesTheMetricsPortOfTheHeadlessService() {
        ServiceMonitor monitor = one(ServiceMonitor.class);
        Service headless = service(one(StatefulSet.class).getSpec().getServiceName());
        assertSelects(monitor.getSpec().getSelector().getMatchLabels(), headless.getMetadata().getLabels(), "ServiceMonitor");
        assertFalse(service("pooler").getMetadata().getLabels().entrySet()
                        .containsAll(monitor.getSpec().getSelector().getMatchLabels().entrySet()),
                "only the headless Service is scraped (one target per pod, not one per Service)");
        for (Endpoint endpoint : monitor.getSpec().getEndpoints()) {
            assertTrue(headless.getSpec().getPorts().stream().anyMatch(p -> p.getName().equals(endpoint.getPort())),
                    "endpoint port " + endpoint.getPort());
        }
    }

    /**
     * The ini loads with Pooler's own loader, with the files the pod mounts where it mounts them, and says
     * what the pod spec says: ports, the auth file from the Secret, one [peers] line per replica naming its
     * pod through the headless Service.
     */
    @Test
    void theConfigMapsIniLoadsAndAgreesWithThePodSpec(@TempDir Path dir) throws Exception {
        Map<String, String> files = mountedConfigFiles();
        String ini = files.get("pgbouncer.ini");
        assertNotNull(ini, "pgbouncer.ini in the ConfigMap");
        assertNotNull(files.get("userlist.txt"), "userlist.txt in the Secret");
        String configDir = mainContainer().getVolumeMounts().stream().filter(m -> m.getName().equals("config"))
                .findFirst().orElseThrow().getMountPath();
        // The pod's absolute paths, moved under a temporary directory.
        String peerFile = ContainerCommands.PEER_ID.get(ContainerCommands.PEER_ID.size() - 1);
        Files.writeString(dir.resolve("peer_id.ini"), PeerIdFile.contents("pooler-1"));
        String local = ini.replace(configDir + "/", dir + "/").replace(peerFile, dir.resolve("peer_id.ini").toString());
        assertFalse(local.contains(configDir + "/") || local.contains("/run/"), "every pod path was moved:\n" + local);
        Files.writeString(dir.resolve("pgbouncer.ini"), local);
        Files.writeString(dir.resolve("userlist.txt"), files.get("userlist.txt"));

        LoadedConfig loaded = ConfigLoader.load(dir.resolve("pgbouncer.ini"));
        assertEquals(List.of(), loaded.warnings(), "every key of the ini is acted on, peer_id and [peers] included");
        Settings settings = loaded.config().settings();
        assertEquals(2, settings.peerId(), "pooler-1's peer_id, through the %include");
        assertEquals(containerPort("pgbouncer").getContainerPort(), settings.listenPort());
        assertEquals(containerPort("metrics").getContainerPort(), settings.metricsListenPort());
        assertEquals("*", settings.listenAddr());
        assertEquals(dir.resolve("userlist.txt"), settings.authFile().orElseThrow());
        for (String user : settings.adminUsers()) {
            assertTrue(files.get("userlist.txt").contains("\"" + user + "\""), "admin user " + user + " in the userlist");
        }
        assertTrue(mainContainer().getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals(settings.unixSocketDir())),
                "unix_socket_dir is a writable volume");

        StatefulSet sts = one(StatefulSet.class);
        List<String> peers = section(ini, "peers");
        assertEquals(sts.getSpec().getReplicas(), peers.size(), "one [peers] line per replica");
        for (int ordinal = 0; ordinal < peers.size(); ordinal++) {
            assertEquals((ordinal + 1) + " = host=" + sts.getMetadata().getName() + "-" + ordinal + "." + sts.getSpec().getServiceName()
                    + " port=" + settings.listenPort(), peers.get(ordinal));
        }
    }

    /** The ConfigMap's and the Secret's files as the projected volume shows them in one directory. */
    private static Map<String, String> mountedConfigFiles() {
        Volume config = podSpec().getVolumes().stream().filter(v -> v.getName().equals("config")).findFirst().orElseThrow();
        Map<String, String> files = new LinkedHashMap<>();
        for (VolumeProjection source : config.getProjected().getSources()) {
            if (source.getConfigMap() != null) {
                files.putAll(all(ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals(source.getConfigMap().getName()))
                        .findFirst().orElseThrow(() -> new AssertionError("no ConfigMap " + source.getConfigMap().getName())).getData());
            }
            if (source.getSecret() != null) {
                files.putAll(all(Secret.class).stream().filter(s -> s.getMetadata().getName().equals(source.getSecret().getName()))
                        .findFirst().orElseThrow(() -> new AssertionError("no Secret " + source.getSecret().getName())).getStringData());
            }
        }
        return files;
    }

    /** The key = value lines of an ini section, comments and blank lines left out. */
    private static List<String> section(String ini, String name) {
        List<String> lines = new ArrayList<>();
        boolean in = false;
        for (String line : ini.split("\n")) {
            String t = line.strip();
            if (t.startsWith("[")) {
                in = t.equals("[" + name + "]");
            } else if (in && !t.isEmpty() && !t.startsWith(";") && !t.startsWith("#")) {
                Matcher m = Pattern.compile("(\\S+)\\s*=\\s*(.*)").matcher(t);
                assertTrue(m.matches(), t);
                lines.add(m.group(1) + " = " + m.group(2));
            }
        }
        return lines;
    }

    private static void assertSelects(Map<String, String> selector, Map<String, String> labels, String what) {
        assertTrue(selector != null && !selector.isEmpty(), what + " is empty");
        assertTrue(labels.entrySet().containsAll(selector.entrySet()), what + " " + selector + " does not select " + labels);
    }

    private static PodSpec podSpec() {
        return one(StatefulSet.class).getSpec().getTemplate().getSpec();
    }

    private static Container mainContainer() {
        return podSpec().getContainers().stream().filter(c -> c.getName().equals("pooler")).findFirst().orElseThrow();
    }

    private static ContainerPort containerPort(String name) {
        return mainContainer().getPorts().stream().filter(p -> name.equals(p.getName())).findFirst().orElse(null);
    }

    private static Service service(String name) {
        return all(Service.class).stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no Service " + name));
    }

    private static <T> List<T> all(Class<T> kind) {
        return objects.values().stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    private static <T> T one(Class<T> kind) {
        List<T> found = all(kind);
        assertEquals(1, found.size(), "one " + kind.getSimpleName());
        return found.get(0);
    }
}
