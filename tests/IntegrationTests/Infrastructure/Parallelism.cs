// One MariaDB database serves every test class, and some classes empty its tables (TestDatabase.ResetAsync)
// or load the demo district while others report clues: run the classes one after another. A run in
// parallel once saw a report refused because another class's reset or demo load was half done.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
