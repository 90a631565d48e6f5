"""What pmsync decides: plans and their application, pulls, overdue items, reports,
reminders, lint, deadlines. Pure, or talking only to the Tracker protocol."""
