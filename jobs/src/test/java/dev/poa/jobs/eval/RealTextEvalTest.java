package dev.poa.jobs.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/** The pieces the real-text evaluation is built from (the evaluation itself runs in CI: poa eval attribution). */
class RealTextEvalTest {
  @Test
  void thePinnedListNamesEachFileOnceWithItsHashAndRole() {
    List<RealTextEval.Material> pinned = RealTextEval.pinned();
    assertEquals(450, pinned.size());
    assertEquals(pinned.size(), pinned.stream().map(RealTextEval.Material::file).distinct().count());
    Map<String, Long> roles = pinned.stream().collect(Collectors.groupingBy(RealTextEval.Material::role, Collectors.counting()));
    assertEquals(Map.of("contribution", 300L, "filler", 150L), roles);
    assertTrue(pinned.stream().allMatch(m -> m.sha256().matches("[0-9a-f]{64}")));
    assertEquals(Set.of("code", "doc", "man"), pinned.stream().map(RealTextEval.Material::kind).collect(Collectors.toSet()));
  }

  @Test
  void aPlantedSpanIsAQuoteOfItsSourceAlone() {
    String source = "The parser reads every option from the command line and stores its value in the namespace\n"
        + "object that it returns to the caller when all arguments were consumed without any error at all.\n";
    String other = "Unrelated text about colours, gardens and the weather in spring, with nothing shared at all.\n";
    List<String> tokenised = List.of(RealTextEval.spaced(source), RealTextEval.spaced(other));
    Random random = new Random(3);
    for (int i = 0; i < 20; i++) {
      String span = RealTextEval.plantable(source, tokenised, random);
      if (span == null) {
        continue;
      }
      assertTrue(source.contains(span));
      int words = span.split("\\s+").length;
      assertTrue(words >= 12 && words <= 80, span);
    }
    // the same text in another contribution (in other case and spacing): no source is the right one
    List<String> twice = List.of(RealTextEval.spaced(source), RealTextEval.spaced(source.toUpperCase().replace(" ", "  ")));
    for (int i = 0; i < 20; i++) {
      assertNull(RealTextEval.plantable(source, twice, random));
    }
    // markup is not a quote: too few plain words
    String markup = "[\\fB\\-\\-zone\\fR=\\fIZONE\\fR] [\\fB\\-\\-region\\fR=\\fIREGION\\fR] ".repeat(10);
    assertNull(RealTextEval.plantable(markup, List.of(RealTextEval.spaced(markup)), random));
  }

  @Test
  void fillerSharesNoRunOfTwelveWordsAndDistractorsComeFromContributions() {
    String contribution = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho";
    List<String> fillers = List.of(contribution + " sigma tau upsilon phi chi psi omega and more words to make a text of "
        + "enough length for an excerpt of twenty words or more, which is what the filler needs to be taken at all here "
        + "and there, again and again, so that some excerpts overlap and some do not, by chance alone.");
    Set<String> quoted = RealTextEval.windows(List.of(contribution));
    Random random = new Random(1);
    for (int i = 0; i < 30; i++) {
      String f = RealTextEval.filler(fillers, quoted, Set.of(), 8, random);
      assertNotNull(f);
      assertTrue(Collections.disjoint(RealTextEval.windows(List.of(f)), quoted), f);
    }
    String licence = "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.";
    List<Row> contributions = List.of(
        RowFactory.create("c1", "Intro one\n" + licence + "\nsee git-config(1) for the details.", "0x1", "real-docs"),
        RowFactory.create("c2", "Intro two\n" + licence + "\n", "0x2", "real-docs"),
        RowFactory.create("c3", "Intro three\n" + licence + "\n", "0x3", "real-docs"),
        RowFactory.create("c4", "import os\nif __name__ == \"__main__\": main(sys.argv[1:])\n", "0x4", "real-code"),
        RowFactory.create("c5", "import os\nif __name__ == \"__main__\": main(sys.argv[1:])\n", "0x5", "real-code"),
        RowFactory.create("c6", "import os\nif __name__ == \"__main__\": main(sys.argv[1:])\n", "0x6", "real-code"),
        RowFactory.create("c7", ".B tool\n[\\fB\\-\\-zone\\fR=\\fIZONE\\fR]\n", "0x7", "real-man"));
    RealTextEval.Distractors d = RealTextEval.Distractors.of(contributions);
    assertEquals(List.of(licence), d.byKind().get("licence"));
    assertEquals(List.of("if __name__ == \"__main__\": main(sys.argv[1:])"), d.byKind().get("api"));
    assertEquals(List.of("[\\fB\\-\\-zone\\fR=\\fIZONE\\fR]"), d.byKind().get("synopsis"));
    assertEquals(List.of("git-config(1) for the details."), d.byKind().get("reference"));
  }
}
