from scan.cli import main

main()
