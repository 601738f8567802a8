import KassaApp

await KassaCommand.main()
