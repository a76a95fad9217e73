package dev.cluster.worker;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** README's tables of a slot's and an attempt's states say what the state machines allow, no more and no less. */
class SlotStateTest {
    private static final Path README = Path.of("..", "README.md").toAbsolutePath().normalize();
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z]+)`[^|]*\\| (.*) \\|$");
    private static final Pattern STATE = Pattern.compile("`([a-z]+)`");

    /** What 'cluster start NAME' starts: the slots with no process and no restart on its way. */
    @Test
    void onlyStoppedAndErroredSlotsWaitForAStart() {
        Set<SlotState> waiting = new TreeSet<>();
        for (SlotState s : SlotState.values()) {
            if (s.waitsForAStart()) {
                waiting.add(s);
                assertTrue(!s.hasProcess() && s.canBecome(SlotState.LAUNCHING), s.label());
            }
        }
        assertEquals(Set.of(SlotState.STOPPED, SlotState.ERRORED), waiting);
    }

    @Test
    void readmesTablesOfTransitionsAreTheStateMachines() throws Exception {
        String readme = Files.readString(README);
        assertEquals(transitions(SlotState.values(), SlotState::canBecome), documented(readme, "| slot (`SlotState`"));
        assertEquals(transitions(AttemptState.values(), AttemptState::canBecome), documented(readme, "| attempt (`AttemptState`"));
    }

    private static <S extends Enum<S>> Map<String, Set<String>> transitions(S[] states, BiPredicate<S, S> canBecome) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (S from : states) {
            Set<String> next = new TreeSet<>();
            for (S to : states) {
                if (canBecome.test(from, to)) {
                    next.add(to.name().toLowerCase(Locale.ROOT));
                }
            }
            out.put(from.name().toLowerCase(Locale.ROOT), next);
        }
        return out;
    }

    private static Map<String, Set<String>> documented(String readme, String header) {
        int start = readme.indexOf(header);
        assertTrue(start >= 0, "README has no table starting " + header);
        Map<String, Set<String>> out = new TreeMap<>();
        for (String line : readme.substring(start).lines().skip(2).takeWhile(l -> l.startsWith("|")).toList()) {
            Matcher row = ROW.matcher(line);
            assertTrue(row.matches(), line);
            Set<String> next = new TreeSet<>();
            Matcher to = STATE.matcher(row.group(2));
            while (to.find()) {
                next.add(to.group(1));
            }
            out.put(row.group(1), next);
        }
        return out;
    }
}
