package io.convexstream.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Algorithm cores stay engine-free: no Flink, Kafka or Avro types in io.convexstream.core. */
class EngineFreeCoresTest {
  private final JavaClasses classes = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("io.convexstream");

  @Test
  void coresImportNoEngineClasses() {
    noClasses().that().resideInAPackage("io.convexstream.core..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "org.apache.flink..", "org.apache.kafka..", "org.apache.avro..", "io.convexstream.schemas..",
            "io.convexstream.connectors..", "io.convexstream.flink..")
        .because("cores must be testable in microseconds and reusable outside Flink")
        .check(classes);
  }
}
