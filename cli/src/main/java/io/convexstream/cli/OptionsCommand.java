package io.convexstream.cli;

import io.convexstream.jobs.Jobs;
import io.convexstream.jobs.StreamJob;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "options",
    mixinStandardHelpOptions = true,
    description = "List each job's options (--set KEY=VALUE of run and replay): type, default and meaning.")
final class OptionsCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", description = "Jobs to list (default: all): ${COMPLETION-CANDIDATES}.", completionCandidates = io.convexstream.jobs.JobLaunch.JobNames.class)
  List<String> jobs = List.of();

  @Override
  public Integer call() {
    for (String name : jobs.isEmpty() ? List.copyOf(Jobs.all().keySet()) : jobs) {
      StreamJob job = Jobs.byName(name);
      System.out.println(job.name() + " — " + job.description());
      System.out.println(job.options().help());
    }
    return 0;
  }
}
