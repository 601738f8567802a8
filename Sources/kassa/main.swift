import KassaApp
KassaCommand.main()
